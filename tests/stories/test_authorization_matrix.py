"""The authorization matrix: who may use each merchant and admin command and button.

Five people: a `shopper` (a fresh user), 海底捞's `staff`, 海底捞's `owner`, the owner
of another merchant (`other_owner`, 瑞幸咖啡) and a platform `admin` (a fresh user in
`Options.admin_ids`, who owns nothing). Every action is aimed at 海底捞's own things
(its deals, stores, staff, its merchant record, a code sold by it, an application
waiting for review) with their real ids, and every (action, person) pair is one test,
e.g. `test_who_may[dp-deal-pause-other_owner]`.

`EXPECTED` writes each cell's verdict out by hand:
  allowed  the action works on 海底捞's things;
  own      it works, but only on the person's own merchant (瑞幸's stats, deals,
           stores...): 海底捞's names and figures must not appear and nothing of
           海底捞's changes;
  refused  nothing happens and none of 海底捞's data is shown.
Each cell proves its verdict by its effect, not by the wording of the reply: a refused
button leaves the deal's status and price, the store's name, the merchant's status, the
staff list and the code's status as they were, an allowed one changes them; read-only
commands show 海底捞's data or a refusal without it. No cell may crash a handler (the
router turns a crash into a polite reply, so the log is checked too) and a refused cell
never notifies anyone.

Buttons are pressed as forged callbacks (`press_data`), i.e. checked on press, whatever
was drawn. The stories at the end draw a button while the person is allowed and press
it after they lost the right (staff removed, merchant suspended, admin removed).

A confirm button `rc:<request>:<store>` carries a one-time request made by the check of
the staff member who drew it: 海底捞's owner, who could check the code himself, may not
press another person's request either.

Databases: the matrix (53 actions x 5 people = 265 cells) runs on SQLite, each cell on
a fresh copy of a demo world seeded once (seeding per cell would take minutes);
`test_who_may_on_postgres` runs a representative subset on PostgreSQL (for every action
one person it allows and one it refuses, on a freshly seeded schema), and the
"checked again on press" stories run on both databases.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlmodel import col, func, select

from handlers.core import EditText, Event, Notify, Reply, SendDocument, SendPhoto, SendText
from handlers.router import App, Options
from services.demo.seed import seed_demo
from services.ledger.payouts import request_withdrawal
from services.ledger.sales import release_due
from services.marketing.referrals import record_referral, referral_code_of
from services.merchants.admin import suspend_merchant
from services.merchants.applications import Application, apply
from services.merchants.deals import change_status
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm
from services.payments import PaymentNotice
from services.platform.conversations import FlowState, get_state
from services.platform.database import Database
from services.platform.users import demo_telegram_id, ensure_user, get_profile_by_telegram_id
from storage.models import (
    Deal,
    Merchant,
    MerchantStaff,
    Order,
    Payout,
    RedemptionCode,
    RedemptionRequest,
    StaffInvite,
    Store,
)
from tests.conftest import STORY_NOW, Chat

NOW = STORY_NOW
Role = Literal["shopper", "staff", "owner", "other_owner", "admin"]
Verdict = Literal["allowed", "own", "refused"]
ROLES: tuple[Role, ...] = ("shopper", "staff", "owner", "other_owner", "admin")
SHOPPER, ADMIN, BUYER, APPLICANT = 8_100_001, 8_100_002, 8_100_003, 8_100_004
REFERRER, FRIEND = 8_100_005, 8_100_006  # a referrer with a withdrawal waiting
NAMES: dict[Role, str] = {"shopper": "Shopper", "staff": "haidilao-staff",
                          "owner": "haidilao-owner", "other_owner": "luckin-owner",
                          "admin": "Admin"}
# What only 海底捞's own pages show: its name, slug, stores and deal titles.
HAIDILAO_MARKS = ("海底捞", "Haidilao", "haidilao", "双人精品火锅套餐", "四人欢聚火锅套餐",
                  "100元代金券", "一人食火锅套餐")
APPLICATION = "矩阵面馆"  # the pending application the admin decides

EXPECTED: dict[tuple[str, Role], Verdict] = {
    # addstore
    ("addstore", "shopper"): "refused", ("addstore", "staff"): "refused",
    ("addstore", "owner"): "allowed", ("addstore", "other_owner"): "own",
    ("addstore", "admin"): "refused",
    # stores
    ("stores", "shopper"): "refused", ("stores", "staff"): "refused",
    ("stores", "owner"): "allowed", ("stores", "other_owner"): "own",
    ("stores", "admin"): "refused",
    # staff
    ("staff", "shopper"): "refused", ("staff", "staff"): "refused", ("staff", "owner"): "allowed",
    ("staff", "other_owner"): "own", ("staff", "admin"): "refused",
    # staff-invite
    ("staff-invite", "shopper"): "refused", ("staff-invite", "staff"): "refused",
    ("staff-invite", "owner"): "allowed", ("staff-invite", "other_owner"): "own",
    ("staff-invite", "admin"): "refused",
    # newdeal
    ("newdeal", "shopper"): "refused", ("newdeal", "staff"): "refused",
    ("newdeal", "owner"): "allowed", ("newdeal", "other_owner"): "own",
    ("newdeal", "admin"): "refused",
    # newdeal-one-line
    ("newdeal-one-line", "shopper"): "refused", ("newdeal-one-line", "staff"): "refused",
    ("newdeal-one-line", "owner"): "allowed", ("newdeal-one-line", "other_owner"): "own",
    ("newdeal-one-line", "admin"): "refused",
    # deals
    ("deals", "shopper"): "refused", ("deals", "staff"): "refused", ("deals", "owner"): "allowed",
    ("deals", "other_owner"): "own", ("deals", "admin"): "refused",
    # import
    ("import", "shopper"): "refused", ("import", "staff"): "refused",
    ("import", "owner"): "allowed", ("import", "other_owner"): "own",
    ("import", "admin"): "refused",
    # csv-document
    ("csv-document", "shopper"): "refused", ("csv-document", "staff"): "refused",
    ("csv-document", "owner"): "allowed", ("csv-document", "other_owner"): "own",
    ("csv-document", "admin"): "refused",
    # stats
    ("stats", "shopper"): "refused", ("stats", "staff"): "refused", ("stats", "owner"): "allowed",
    ("stats", "other_owner"): "own", ("stats", "admin"): "refused",
    # export
    ("export", "shopper"): "refused", ("export", "staff"): "refused",
    ("export", "owner"): "allowed", ("export", "other_owner"): "own",
    ("export", "admin"): "refused",
    # poster
    ("poster", "shopper"): "refused", ("poster", "staff"): "refused",
    ("poster", "owner"): "allowed", ("poster", "other_owner"): "own",
    ("poster", "admin"): "refused",
    # admin
    ("admin", "shopper"): "refused", ("admin", "staff"): "refused", ("admin", "owner"): "refused",
    ("admin", "other_owner"): "refused", ("admin", "admin"): "allowed",
    # admin-find
    ("admin-find", "shopper"): "refused", ("admin-find", "staff"): "refused",
    ("admin-find", "owner"): "refused", ("admin-find", "other_owner"): "refused",
    ("admin-find", "admin"): "allowed",
    # redeem
    ("redeem", "shopper"): "refused", ("redeem", "staff"): "allowed",
    ("redeem", "owner"): "allowed", ("redeem", "other_owner"): "refused",
    ("redeem", "admin"): "refused",
    # dm-deal-page
    ("dm-deal-page", "shopper"): "refused", ("dm-deal-page", "staff"): "refused",
    ("dm-deal-page", "owner"): "allowed", ("dm-deal-page", "other_owner"): "refused",
    ("dm-deal-page", "admin"): "refused",
    # dp-deal-pause
    ("dp-deal-pause", "shopper"): "refused", ("dp-deal-pause", "staff"): "refused",
    ("dp-deal-pause", "owner"): "allowed", ("dp-deal-pause", "other_owner"): "refused",
    ("dp-deal-pause", "admin"): "refused",
    # dr-deal-resume
    ("dr-deal-resume", "shopper"): "refused", ("dr-deal-resume", "staff"): "refused",
    ("dr-deal-resume", "owner"): "allowed", ("dr-deal-resume", "other_owner"): "refused",
    ("dr-deal-resume", "admin"): "refused",
    # dn-deal-end-ask
    ("dn-deal-end-ask", "shopper"): "refused", ("dn-deal-end-ask", "staff"): "refused",
    ("dn-deal-end-ask", "owner"): "allowed", ("dn-deal-end-ask", "other_owner"): "refused",
    ("dn-deal-end-ask", "admin"): "refused",
    # dny-deal-end
    ("dny-deal-end", "shopper"): "refused", ("dny-deal-end", "staff"): "refused",
    ("dny-deal-end", "owner"): "allowed", ("dny-deal-end", "other_owner"): "refused",
    ("dny-deal-end", "admin"): "refused",
    # de-deal-price
    ("de-deal-price", "shopper"): "refused", ("de-deal-price", "staff"): "refused",
    ("de-deal-price", "owner"): "allowed", ("de-deal-price", "other_owner"): "refused",
    ("de-deal-price", "admin"): "refused",
    # dl-deal-list
    ("dl-deal-list", "shopper"): "refused", ("dl-deal-list", "staff"): "refused",
    ("dl-deal-list", "owner"): "allowed", ("dl-deal-list", "other_owner"): "own",
    ("dl-deal-list", "admin"): "refused",
    # se-store-edit
    ("se-store-edit", "shopper"): "refused", ("se-store-edit", "staff"): "refused",
    ("se-store-edit", "owner"): "allowed", ("se-store-edit", "other_owner"): "refused",
    ("se-store-edit", "admin"): "refused",
    # sed-store-save
    ("sed-store-save", "shopper"): "refused", ("sed-store-save", "staff"): "refused",
    ("sed-store-save", "owner"): "allowed", ("sed-store-save", "other_owner"): "refused",
    ("sed-store-save", "admin"): "refused",
    # si-staff-invite
    ("si-staff-invite", "shopper"): "refused", ("si-staff-invite", "staff"): "refused",
    ("si-staff-invite", "owner"): "allowed", ("si-staff-invite", "other_owner"): "own",
    ("si-staff-invite", "admin"): "refused",
    # sr-staff-remove
    ("sr-staff-remove", "shopper"): "refused", ("sr-staff-remove", "staff"): "refused",
    ("sr-staff-remove", "owner"): "allowed", ("sr-staff-remove", "other_owner"): "refused",
    ("sr-staff-remove", "admin"): "refused",
    # pah-admin-home
    ("pah-admin-home", "shopper"): "refused", ("pah-admin-home", "staff"): "refused",
    ("pah-admin-home", "owner"): "refused", ("pah-admin-home", "other_owner"): "refused",
    ("pah-admin-home", "admin"): "allowed",
    # pap-admin-pending
    ("pap-admin-pending", "shopper"): "refused", ("pap-admin-pending", "staff"): "refused",
    ("pap-admin-pending", "owner"): "refused", ("pap-admin-pending", "other_owner"): "refused",
    ("pap-admin-pending", "admin"): "allowed",
    # pam-admin-merchants
    ("pam-admin-merchants", "shopper"): "refused", ("pam-admin-merchants", "staff"): "refused",
    ("pam-admin-merchants", "owner"): "refused", ("pam-admin-merchants", "other_owner"): "refused",
    ("pam-admin-merchants", "admin"): "allowed",
    # pav-admin-merchant
    ("pav-admin-merchant", "shopper"): "refused", ("pav-admin-merchant", "staff"): "refused",
    ("pav-admin-merchant", "owner"): "refused", ("pav-admin-merchant", "other_owner"): "refused",
    ("pav-admin-merchant", "admin"): "allowed",
    # pas-admin-suspend-ask
    ("pas-admin-suspend-ask", "shopper"): "refused", ("pas-admin-suspend-ask", "staff"): "refused",
    ("pas-admin-suspend-ask", "owner"): "refused",
    ("pas-admin-suspend-ask", "other_owner"): "refused",
    ("pas-admin-suspend-ask", "admin"): "allowed",
    # pac-admin-suspend
    ("pac-admin-suspend", "shopper"): "refused", ("pac-admin-suspend", "staff"): "refused",
    ("pac-admin-suspend", "owner"): "refused", ("pac-admin-suspend", "other_owner"): "refused",
    ("pac-admin-suspend", "admin"): "allowed",
    # par-admin-restore
    ("par-admin-restore", "shopper"): "refused", ("par-admin-restore", "staff"): "refused",
    ("par-admin-restore", "owner"): "refused", ("par-admin-restore", "other_owner"): "refused",
    ("par-admin-restore", "admin"): "allowed",
    # ma-merchant-approve
    ("ma-merchant-approve", "shopper"): "refused", ("ma-merchant-approve", "staff"): "refused",
    ("ma-merchant-approve", "owner"): "refused", ("ma-merchant-approve", "other_owner"): "refused",
    ("ma-merchant-approve", "admin"): "allowed",
    # mj-merchant-reject
    ("mj-merchant-reject", "shopper"): "refused", ("mj-merchant-reject", "staff"): "refused",
    ("mj-merchant-reject", "owner"): "refused", ("mj-merchant-reject", "other_owner"): "refused",
    ("mj-merchant-reject", "admin"): "allowed",
    # rc-redeem-confirm
    ("rc-redeem-confirm", "shopper"): "refused", ("rc-redeem-confirm", "staff"): "allowed",
    ("rc-redeem-confirm", "owner"): "refused", ("rc-redeem-confirm", "other_owner"): "refused",
    ("rc-redeem-confirm", "admin"): "refused",
    # ru-redeem-undo
    ("ru-redeem-undo", "shopper"): "refused", ("ru-redeem-undo", "staff"): "allowed",
    ("ru-redeem-undo", "owner"): "allowed", ("ru-redeem-undo", "other_owner"): "refused",
    ("ru-redeem-undo", "admin"): "refused",
    # money (issue 16)
    # payouts
    ("payouts", "shopper"): "refused", ("payouts", "staff"): "refused",
    ("payouts", "owner"): "allowed", ("payouts", "other_owner"): "own",
    ("payouts", "admin"): "refused",
    # commission
    ("commission", "shopper"): "refused", ("commission", "staff"): "refused",
    ("commission", "owner"): "allowed", ("commission", "other_owner"): "own",
    ("commission", "admin"): "refused",
    # export-statement
    ("export-statement", "shopper"): "refused", ("export-statement", "staff"): "refused",
    ("export-statement", "owner"): "allowed", ("export-statement", "other_owner"): "own",
    ("export-statement", "admin"): "refused",
    # commission-deal
    ("commission-deal", "shopper"): "refused", ("commission-deal", "staff"): "refused",
    ("commission-deal", "owner"): "allowed", ("commission-deal", "other_owner"): "refused",
    ("commission-deal", "admin"): "refused",
    # admin-payables
    ("admin-payables", "shopper"): "refused", ("admin-payables", "staff"): "refused",
    ("admin-payables", "owner"): "refused", ("admin-payables", "other_owner"): "refused",
    ("admin-payables", "admin"): "allowed",
    # admin-pay
    ("admin-pay", "shopper"): "refused", ("admin-pay", "staff"): "refused",
    ("admin-pay", "owner"): "refused", ("admin-pay", "other_owner"): "refused",
    ("admin-pay", "admin"): "allowed",
    # admin-withdrawals
    ("admin-withdrawals", "shopper"): "refused", ("admin-withdrawals", "staff"): "refused",
    ("admin-withdrawals", "owner"): "refused", ("admin-withdrawals", "other_owner"): "refused",
    ("admin-withdrawals", "admin"): "allowed",
    # admin-paid
    ("admin-paid", "shopper"): "refused", ("admin-paid", "staff"): "refused",
    ("admin-paid", "owner"): "refused", ("admin-paid", "other_owner"): "refused",
    ("admin-paid", "admin"): "allowed",
    # admin-fee
    ("admin-fee", "shopper"): "refused", ("admin-fee", "staff"): "refused",
    ("admin-fee", "owner"): "refused", ("admin-fee", "other_owner"): "refused",
    ("admin-fee", "admin"): "allowed",
    # admin-refund
    ("admin-refund", "shopper"): "refused", ("admin-refund", "staff"): "refused",
    ("admin-refund", "owner"): "refused", ("admin-refund", "other_owner"): "refused",
    ("admin-refund", "admin"): "allowed",
    # ppy-admin-payables
    ("ppy-admin-payables", "shopper"): "refused", ("ppy-admin-payables", "staff"): "refused",
    ("ppy-admin-payables", "owner"): "refused", ("ppy-admin-payables", "other_owner"): "refused",
    ("ppy-admin-payables", "admin"): "allowed",
    # pwl-admin-withdrawals
    ("pwl-admin-withdrawals", "shopper"): "refused", ("pwl-admin-withdrawals", "staff"): "refused",
    ("pwl-admin-withdrawals", "owner"): "refused",
    ("pwl-admin-withdrawals", "other_owner"): "refused",
    ("pwl-admin-withdrawals", "admin"): "allowed",
    # ppd-admin-payout-paid
    ("ppd-admin-payout-paid", "shopper"): "refused", ("ppd-admin-payout-paid", "staff"): "refused",
    ("ppd-admin-payout-paid", "owner"): "refused",
    ("ppd-admin-payout-paid", "other_owner"): "refused",
    ("ppd-admin-payout-paid", "admin"): "allowed",
    # pxa-admin-payout-cancel-ask
    ("pxa-admin-payout-cancel-ask", "shopper"): "refused",
    ("pxa-admin-payout-cancel-ask", "staff"): "refused",
    ("pxa-admin-payout-cancel-ask", "owner"): "refused",
    ("pxa-admin-payout-cancel-ask", "other_owner"): "refused",
    ("pxa-admin-payout-cancel-ask", "admin"): "allowed",
    # pxc-admin-payout-cancel
    ("pxc-admin-payout-cancel", "shopper"): "refused",
    ("pxc-admin-payout-cancel", "staff"): "refused",
    ("pxc-admin-payout-cancel", "owner"): "refused",
    ("pxc-admin-payout-cancel", "other_owner"): "refused",
    ("pxc-admin-payout-cancel", "admin"): "allowed",
    # prf-admin-refund
    ("prf-admin-refund", "shopper"): "refused", ("prf-admin-refund", "staff"): "refused",
    ("prf-admin-refund", "owner"): "refused", ("prf-admin-refund", "other_owner"): "refused",
    ("prf-admin-refund", "admin"): "allowed",
}


# ------------------------------------------------------------------ the world


@dataclass
class World:
    """The demo world with 海底捞's ids, and who is who."""

    app: App
    haidilao: int
    luckin: int
    stores: dict[str, int]  # store key -> id (haidilao-wanda, haidilao-kuaian)
    deals: dict[str, int]  # demo deal key -> id (海底捞's hdl-duo, hdl-four; lk-coconut)
    users: dict[Role, int] = field(default_factory=dict)  # users.id of the demo people

    @property
    def db(self) -> Database:
        return self.app.db


class Person(Chat):
    """A chat that also keeps every reply of the cell (to check nobody was notified)."""

    def __init__(self, app: App, role: Role) -> None:
        user_id = {"shopper": SHOPPER, "admin": ADMIN}.get(role) or demo_telegram_id(NAMES[role])
        super().__init__(app, user_id=user_id, name=NAMES[role])
        self.role = role
        self.history: list[Reply] = []

    async def send(self, event: Event) -> list[Reply]:
        replies = await super().send(event)
        self.history += replies
        return replies

    @property
    def shown(self) -> str:
        """Everything the latest replies show: texts, captions, button labels, files."""
        parts: list[str] = []
        for reply in self.replies:
            if isinstance(reply, SendText | EditText):
                parts.append(reply.text)
            elif isinstance(reply, SendPhoto):
                parts.append(reply.caption)
            elif isinstance(reply, SendDocument):
                parts += [reply.filename, reply.caption]
            parts += [b.text for row in getattr(reply, "buttons", ()) for b in row]
        return "\n".join(parts)

    @property
    def datas(self) -> list[str]:
        """The callback data of the buttons in the latest replies."""
        return [b.data for r in self.replies for row in getattr(r, "buttons", ()) for b in row
                if b.data]

    def sent(self, kind: type[Any]) -> list[Any]:
        return [r for r in self.replies if isinstance(r, kind)]

    async def state(self) -> FlowState | None:
        return await get_state(self.app.db, self.sender.id, self.sender.id, NOW)


async def build_world(app: App) -> World:
    """海底捞's ids in the seeded demo world, with the admin put in `admin_ids`."""
    app.options = replace(app.options, admin_ids=(ADMIN,))
    db = app.db
    async with db.session() as session:
        merchants = dict((await session.exec(select(Merchant.slug, Merchant.id).where(
            col(Merchant.slug).in_(("haidilao", "luckin"))))).all())
        stores = dict((await session.exec(select(Store.key, Store.id).where(
            Store.merchant_id == merchants["haidilao"]))).all())
        deals = dict((await session.exec(select(Deal.key, Deal.id))).all())
    world = World(app, merchants["haidilao"], merchants["luckin"],
                  {k: v for k, v in stores.items() if k and v},
                  {k: v for k, v in deals.items() if k and v})
    for role in ("staff", "owner", "other_owner"):
        profile = await get_profile_by_telegram_id(db, demo_telegram_id(NAMES[role]))
        assert profile is not None
        world.users[role] = profile.id
    assert set(world.stores) == {"haidilao-wanda", "haidilao-kuaian"}
    assert {"hdl-duo", "hdl-four"} <= set(world.deals)
    return world


_template: dict[str, Path] = {}


@pytest.fixture
async def matrix_app(tmp_path_factory: pytest.TempPathFactory,
                     tmp_path: Path) -> AsyncIterator[App]:
    """The demo world on SQLite: seeded once, then a fresh copy of the file per cell."""
    template = _template.get("sqlite")
    if template is None:
        template = tmp_path_factory.mktemp("matrix") / "demo.db"
        seeded = Database(f"sqlite+aiosqlite:///{template}")
        await seeded.upgrade()
        await seed_demo(seeded, now=NOW)
        await seeded.dispose()
        _template["sqlite"] = template
    copy = tmp_path / "cell.db"
    source, target = sqlite3.connect(template), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    database = Database(f"sqlite+aiosqlite:///{copy}")
    yield App(db=database, options=Options(), clock=lambda: NOW)
    await database.dispose()


# ------------------------------------------------------------------ reading the database


async def one(db: Database, statement: Any) -> Any:
    async with db.session() as session:
        return (await session.exec(statement)).one()


async def deal_field(w: World, key: str, name: str) -> Any:
    return await one(w.db, select(getattr(Deal, name)).where(Deal.id == w.deals[key]))


async def merchant_status(w: World, merchant_id: int) -> str:
    return await one(w.db, select(Merchant.status).where(Merchant.id == merchant_id))


async def code_status(w: World, code_id: int) -> str:
    return await one(w.db, select(RedemptionCode.status).where(RedemptionCode.id == code_id))


async def merchants_of_deals_titled(w: World, title: str) -> list[int]:
    async with w.db.session() as session:
        return sorted((await session.exec(select(Deal.merchant_id).where(
            (Deal.title_zh == title) | (Deal.title_en == title)))).all())


async def merchants_of_stores_named(w: World, name: str) -> list[int]:
    async with w.db.session() as session:
        return sorted((await session.exec(select(Store.merchant_id).where(
            Store.name_zh == name))).all())


async def invites(w: World) -> dict[int, int]:
    """merchant id -> how many staff invites were made for it."""
    async with w.db.session() as session:
        rows = (await session.exec(select(StaffInvite.merchant_id, func.count())
                                   .group_by(col(StaffInvite.merchant_id)))).all()
    return {m: int(n) for m, n in rows}


async def is_haidilao_staff(w: World) -> bool:
    async with w.db.session() as session:
        found = (await session.exec(select(MerchantStaff.id).where(
            MerchantStaff.merchant_id == w.haidilao,
            MerchantStaff.user_id == w.users["staff"]))).first()
    return found is not None


async def requests_of(w: World, who: Person) -> int:
    profile = await get_profile_by_telegram_id(w.db, who.sender.id)
    if profile is None:
        return 0
    return int(await one(w.db, select(func.count()).select_from(RedemptionRequest).where(
        RedemptionRequest.staff_user_id == profile.id)))


# ------------------------------------------------------------------ setting the scene


async def paid_code(w: World, deal: str = "hdl-duo") -> tuple[int, str]:
    """A shopper buys one unit of a deal (海底捞's ¥168 set) and pays: (code id, code)."""
    buyer = await ensure_user(w.db, BUYER, first_name="Buyer")
    started = await start_order(w.db, buyer.id, w.deals[deal], 1, NOW)
    assert started.order is not None, started.reason
    order = started.order
    notice = PaymentNotice("sandbox", order.id, order.total, order.currency,
                           charge_id=f"ch_{order.id}")
    assert (await apply_payment(w.db, notice, NOW)).outcome == "paid"
    [code] = await codes_of_order(w.db, order.id)
    return code.id, code.code


async def checked_by_staff(w: World) -> tuple[int, str]:
    """A code 海底捞's staff has checked at the counter: (code id, request id)."""
    code_id, code = await paid_code(w)
    checked = await check_code(w.db, w.users["staff"], code, NOW)
    assert checked.outcome == "ok" and checked.request_id is not None
    return code_id, checked.request_id


async def application(w: World) -> int:
    """A pending application from someone who is none of the five."""
    applicant = await ensure_user(w.db, APPLICANT, first_name="Applicant")
    view = await apply(w.db, applicant.id, Application(APPLICATION, "noodles", "13800000000",
                                                       "手工拉面"), NOW)
    return view.id


def assert_no_haidilao(who: Person) -> None:
    shown = who.shown
    leaked = [mark for mark in HAIDILAO_MARKS if mark in shown]
    assert not leaked, f"{who.role} sees 海底捞's {leaked}: {shown!r}"


# ------------------------------------------------------------------ the actions

Action = Callable[[World, Person, Verdict], Awaitable[None]]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn
    return register


def where_it_lands(w: World, verdict: Verdict) -> list[int]:
    """Which merchant something created by this person should belong to."""
    return {"allowed": [w.haidilao], "own": [w.luckin], "refused": []}[verdict]


# Commands -----------------------------------------------------------------


@action("addstore")
async def _addstore(w: World, who: Person, verdict: Verdict) -> None:
    """The whole /addstore conversation, then Save."""
    await who.say("/addstore")
    if verdict == "refused":
        assert_no_haidilao(who)
    for answer in ("矩阵测试店", "福州市马尾区矩阵路1号"):
        await who.say(answer)
    await who.share_location(26.0, 119.45)
    for answer in ("10:00-22:00", "-"):
        await who.say(answer)
    await who.press_data("sts")
    assert await merchants_of_stores_named(w, "矩阵测试店") == where_it_lands(w, verdict)


@action("stores")
async def _stores(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/stores")
    edit = f"se:{w.stores['haidilao-wanda']}"
    if verdict == "allowed":
        assert "海底捞（马尾万达店）" in who.shown and edit in who.datas
        return
    assert_no_haidilao(who)
    assert edit not in who.datas
    if verdict == "own":
        assert "瑞幸咖啡（万达店）" in who.shown
    else:
        assert not any(d.startswith("se:") for d in who.datas)


@action("staff")
async def _staff(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/staff")
    remove = f"sr:{w.users['staff']}"
    if verdict == "allowed":
        assert "haidilao-staff" in who.shown and remove in who.datas
        return
    assert_no_haidilao(who)
    assert remove not in who.datas
    if verdict == "own":
        assert "luckin-staff" in who.shown
    else:
        assert not any(d.startswith("sr:") for d in who.datas)


async def _invite(w: World, who: Person, verdict: Verdict, how: str) -> None:
    before = await invites(w)
    await (who.say("/staff invite") if how == "command" else who.press_data("si"))
    after = await invites(w)
    made = {m: n - before.get(m, 0) for m, n in after.items() if n != before.get(m, 0)}
    assert made == {m: 1 for m in where_it_lands(w, verdict)}
    if verdict == "allowed":
        assert "start=staff_" in who.shown
    else:
        assert_no_haidilao(who)


@action("staff-invite")
async def _staff_invite(w: World, who: Person, verdict: Verdict) -> None:
    await _invite(w, who, verdict, "command")


@action("newdeal")
async def _newdeal(w: World, who: Person, verdict: Verdict) -> None:
    """The guided /newdeal starts (a conversation for the person's own merchant)."""
    await who.say("/newdeal")
    state = await who.state()
    if verdict == "refused":
        assert state is None
    else:
        assert state is not None and (state.flow, state.step) == ("newdeal", "title")
    if verdict != "allowed":
        assert_no_haidilao(who)


@action("newdeal-one-line")
async def _newdeal_one_line(w: World, who: Person, verdict: Verdict) -> None:
    """A one-line deal, then its preview's Publish."""
    await who.say("/newdeal 矩阵一行套餐 | 88 | 168 | 100 | 2026-12-31")
    if verdict != "allowed":
        assert_no_haidilao(who)
    await who.press_data("nd:pub")
    assert await merchants_of_deals_titled(w, "矩阵一行套餐") == where_it_lands(w, verdict)


async def _deal_list(w: World, who: Person, verdict: Verdict) -> None:
    page = f"dm:{w.deals['hdl-duo']}"
    if verdict == "allowed":
        assert "双人精品火锅套餐" in who.shown and page in who.datas
        return
    assert_no_haidilao(who)
    assert page not in who.datas
    if verdict == "own":
        assert "生椰拿铁" in who.shown
    else:
        assert not any(d.startswith("dm:") for d in who.datas)


@action("deals")
async def _deals(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/deals")
    await _deal_list(w, who, verdict)


@action("import")
async def _import(w: World, who: Person, verdict: Verdict) -> None:
    """/import sends the CSV template to owners (it names no merchant)."""
    await who.say("/import")
    assert_no_haidilao(who)
    templates = [d for d in who.sent(SendDocument) if d.filename == "deals-template.csv"]
    assert len(templates) == (0 if verdict == "refused" else 1)


@action("csv-document")
async def _csv_document(w: World, who: Person, verdict: Verdict) -> None:
    """A CSV of deals sent as a file imports them for the sender's own merchant."""
    content = ("title,price,original_price,quantity,valid_until,per_user_limit\n"
               "矩阵导入套餐,88,168,100,2026-12-31,2\n").encode()
    await who.send_file("deals.csv", content)
    if verdict != "allowed":
        assert_no_haidilao(who)
    assert await merchants_of_deals_titled(w, "矩阵导入套餐") == where_it_lands(w, verdict)


@action("stats")
async def _stats(w: World, who: Person, verdict: Verdict) -> None:
    await paid_code(w)  # 海底捞 sold one ¥168 set today, 瑞幸 a coconut latte
    await paid_code(w, "lk-coconut")
    await who.say("/stats")
    if verdict == "allowed":
        assert "海底捞火锅" in who.shown and "¥168" in who.shown and "生椰拿铁" not in who.shown
        assert who.sent(SendPhoto)  # the chart
        return
    assert_no_haidilao(who)
    assert "¥168" not in who.shown
    if verdict == "own":
        assert "瑞幸咖啡" in who.shown and "生椰拿铁" in who.shown and who.sent(SendPhoto)
    else:
        assert "只有商家店主" in who.shown and not who.sent(SendPhoto)


@action("export")
async def _export(w: World, who: Person, verdict: Verdict) -> None:
    await paid_code(w)
    await paid_code(w, "lk-coconut")
    await who.say("/export")
    files = who.sent(SendDocument)
    if verdict == "refused":
        assert "只有商家店主" in who.shown and not files
        return
    [file] = files
    rows = file.data.decode("utf-8-sig")
    if verdict == "allowed":
        assert file.filename == "orders-haidilao-30d.csv"
        assert "双人精品火锅套餐" in rows and "生椰拿铁" not in rows
        return
    assert_no_haidilao(who)
    assert file.filename == "orders-luckin-30d.csv"
    assert "生椰拿铁" in rows and "双人精品火锅套餐" not in rows


@action("poster")
async def _poster(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/poster")
    captions = [p.caption for p in who.sent(SendPhoto)]
    if verdict == "allowed":
        assert any("shop_haidilao" in c for c in captions)
        return
    assert_no_haidilao(who)
    if verdict == "own":
        assert any("shop_luckin" in c for c in captions)
    else:
        assert not captions and not who.sent(SendDocument)


@action("admin")
async def _admin(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/admin")
    if verdict == "allowed":
        assert "pap:0" in who.datas and "pam:0" in who.datas
    else:
        assert "只有平台管理员" in who.shown and not who.datas


@action("admin-find")
async def _admin_find(w: World, who: Person, verdict: Verdict) -> None:
    await who.say("/admin find 海底捞")
    if verdict == "allowed":
        assert "海底捞" in who.shown and f"pav:{w.haidilao}:0" in who.datas
    else:
        assert_no_haidilao(who)
        assert not who.datas


@action("redeem")
async def _redeem(w: World, who: Person, verdict: Verdict) -> None:
    """/redeem with a real code 海底捞 sold: a check with a confirm per store."""
    code_id, code = await paid_code(w)
    await who.say(f"/redeem {code}")
    if verdict == "allowed":
        assert "双人精品火锅套餐" in who.shown
        assert any(d.startswith("rc:") for d in who.datas)
        assert await requests_of(w, who) == 1
    else:
        assert_no_haidilao(who)
        assert not who.datas and await requests_of(w, who) == 0
    assert await code_status(w, code_id) == "issued"


# Deal buttons -------------------------------------------------------------


@action("dm-deal-page")
async def _dm(w: World, who: Person, verdict: Verdict) -> None:
    duo = w.deals["hdl-duo"]
    await who.press_data(f"dm:{duo}")
    if verdict == "allowed":
        assert "双人精品火锅套餐" in who.shown and f"dp:{duo}" in who.datas
    else:
        assert_no_haidilao(who)
        assert not any(d.startswith(("dp:", "de:", "dn:")) for d in who.datas)


async def _status_button(w: World, who: Person, verdict: Verdict, data: str, key: str,
                         before: str, after: str) -> None:
    assert await deal_field(w, key, "status") == before
    await who.press_data(f"{data}:{w.deals[key]}")
    assert await deal_field(w, key, "status") == (after if verdict == "allowed" else before)
    if verdict != "allowed":
        assert_no_haidilao(who)


@action("dp-deal-pause")
async def _dp(w: World, who: Person, verdict: Verdict) -> None:
    await _status_button(w, who, verdict, "dp", "hdl-duo", "active", "paused")


@action("dr-deal-resume")
async def _dr(w: World, who: Person, verdict: Verdict) -> None:
    assert await change_status(w.db, w.users["owner"], w.deals["hdl-four"], "pause",
                               NOW) == "done"
    await _status_button(w, who, verdict, "dr", "hdl-four", "paused", "active")


@action("dn-deal-end-ask")
async def _dn(w: World, who: Person, verdict: Verdict) -> None:
    """End asks first: the question (with the real End) only for the owner."""
    duo = w.deals["hdl-duo"]
    await who.press_data(f"dn:{duo}")
    assert (f"dny:{duo}" in who.datas) == (verdict == "allowed")
    if verdict != "allowed":
        assert_no_haidilao(who)
    assert await deal_field(w, "hdl-duo", "status") == "active"


@action("dny-deal-end")
async def _dny(w: World, who: Person, verdict: Verdict) -> None:
    await _status_button(w, who, verdict, "dny", "hdl-duo", "active", "ended")


@action("de-deal-price")
async def _de(w: World, who: Person, verdict: Verdict) -> None:
    """Edit the price: the button, then the new price typed."""
    assert await deal_field(w, "hdl-duo", "price") == 16800
    await who.press_data(f"de:{w.deals['hdl-duo']}:price")
    if verdict != "allowed":
        assert_no_haidilao(who)
    await who.say("99")
    assert await deal_field(w, "hdl-duo", "price") == (9900 if verdict == "allowed" else 16800)


@action("dl-deal-list")
async def _dl(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data("dl:0")
    await _deal_list(w, who, verdict)


# Store and staff buttons --------------------------------------------------


@action("se-store-edit")
async def _se(w: World, who: Person, verdict: Verdict) -> None:
    store = w.stores["haidilao-wanda"]
    await who.press_data(f"se:{store}")
    state = await who.state()
    if verdict == "allowed":
        assert state is not None and state.flow == "store" and state.data["edit"] == store
        assert f"sef:{store}:name" in who.datas
    else:
        assert state is None
        assert_no_haidilao(who)
        assert not any(d.startswith(("sef:", "sed:")) for d in who.datas)


@action("sed-store-save")
async def _sed(w: World, who: Person, verdict: Verdict) -> None:
    """The whole edit: Edit, Name, the new name typed, Save changes."""
    store = w.stores["haidilao-wanda"]
    await who.press_data(f"se:{store}")
    await who.press_data(f"sef:{store}:name")
    if verdict != "allowed":
        assert_no_haidilao(who)
    await who.say("矩阵新店名")
    await who.press_data(f"sed:{store}")
    name = await one(w.db, select(Store.name_zh).where(Store.id == store))
    assert name == ("矩阵新店名" if verdict == "allowed" else "海底捞（马尾万达店）")


@action("si-staff-invite")
async def _si(w: World, who: Person, verdict: Verdict) -> None:
    await _invite(w, who, verdict, "button")


@action("sr-staff-remove")
async def _sr(w: World, who: Person, verdict: Verdict) -> None:
    assert await is_haidilao_staff(w)
    await who.press_data(f"sr:{w.users['staff']}")
    assert await is_haidilao_staff(w) == (verdict != "allowed")


# Admin buttons ------------------------------------------------------------


def _admin_only(who: Person, verdict: Verdict, prefixes: tuple[str, ...]) -> bool:
    """True when the admin got the screen; for anyone else, checks the refusal."""
    if verdict == "allowed":
        return True
    assert "只有平台管理员" in who.shown
    assert_no_haidilao(who)
    assert not any(d.startswith(prefixes) for d in who.datas)
    return False


@action("pah-admin-home")
async def _pah(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data("pah")
    if _admin_only(who, verdict, ("pap:", "pam:")):
        assert "pap:0" in who.datas


@action("pap-admin-pending")
async def _pap(w: World, who: Person, verdict: Verdict) -> None:
    pending = await application(w)
    await who.press_data("pap:0")
    if _admin_only(who, verdict, ("ma:", "mj:")):
        assert APPLICATION in who.shown and f"ma:{pending}" in who.datas
    else:
        assert APPLICATION not in who.shown


@action("pam-admin-merchants")
async def _pam(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data("pam:0")
    if _admin_only(who, verdict, ("pav:",)):
        assert any(d.startswith("pav:") for d in who.datas)


@action("pav-admin-merchant")
async def _pav(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data(f"pav:{w.haidilao}:0")
    if _admin_only(who, verdict, ("pas:", "par:")):
        assert "海底捞火锅" in who.shown and f"pas:{w.haidilao}:0" in who.datas


@action("pas-admin-suspend-ask")
async def _pas(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data(f"pas:{w.haidilao}:0")
    if _admin_only(who, verdict, ("pac:",)):
        assert f"pac:{w.haidilao}:0" in who.datas
    assert await merchant_status(w, w.haidilao) == "approved"  # asking changes nothing


@action("pac-admin-suspend")
async def _pac(w: World, who: Person, verdict: Verdict) -> None:
    await who.press_data(f"pac:{w.haidilao}:0")
    _admin_only(who, verdict, ("par:",))
    assert await merchant_status(w, w.haidilao) == (
        "suspended" if verdict == "allowed" else "approved")


@action("par-admin-restore")
async def _par(w: World, who: Person, verdict: Verdict) -> None:
    assert (await suspend_merchant(w.db, w.haidilao)).outcome == "done"
    await who.press_data(f"par:{w.haidilao}:0")
    _admin_only(who, verdict, ("pas:",))
    assert await merchant_status(w, w.haidilao) == (
        "approved" if verdict == "allowed" else "suspended")


async def _decision(w: World, who: Person, verdict: Verdict, data: str, outcome: str) -> None:
    pending = await application(w)
    await who.press_data(f"{data}:{pending}")
    if verdict != "allowed":
        assert "只有平台管理员" in who.shown
    assert await merchant_status(w, pending) == (outcome if verdict == "allowed" else "pending")


@action("ma-merchant-approve")
async def _ma(w: World, who: Person, verdict: Verdict) -> None:
    await _decision(w, who, verdict, "ma", "approved")


@action("mj-merchant-reject")
async def _mj(w: World, who: Person, verdict: Verdict) -> None:
    await _decision(w, who, verdict, "mj", "rejected")


# Redeem buttons -----------------------------------------------------------


@action("rc-redeem-confirm")
async def _rc(w: World, who: Person, verdict: Verdict) -> None:
    """Confirm a check the staff member made (their one-time request)."""
    code_id, request = await checked_by_staff(w)
    await who.press_data(f"rc:{request}:{w.stores['haidilao-wanda']}")
    assert await code_status(w, code_id) == ("redeemed" if verdict == "allowed" else "issued")
    if verdict != "allowed":
        assert_no_haidilao(who)


@action("ru-redeem-undo")
async def _ru(w: World, who: Person, verdict: Verdict) -> None:
    """Undo a redemption made a moment ago by the staff member."""
    code_id, request = await checked_by_staff(w)
    done = await confirm(w.db, request, w.users["staff"], w.stores["haidilao-wanda"], NOW)
    assert done.outcome == "redeemed"
    await who.press_data(f"ru:{code_id}")
    assert await code_status(w, code_id) == ("issued" if verdict == "allowed" else "redeemed")
    if verdict != "allowed":
        assert_no_haidilao(who)


# Money (issue 16) ---------------------------------------------------------
# 海底捞 sold one ¥168 set and its code was redeemed: ¥159.60 is payable to it (nobody
# brought the buyer, so no commissions: the ¥8.40 fee is the platform's). A referrer's
# withdrawal waits.

HAIDILAO_PAYABLE = "¥159.60"


async def redeemed_sale(w: World) -> int:
    """海底捞's ¥168 set sold and redeemed: the order's id."""
    code_id, request = await checked_by_staff(w)
    done = await confirm(w.db, request, w.users["staff"], w.stores["haidilao-wanda"], NOW)
    assert done.outcome == "redeemed"
    return int(await one(w.db, select(RedemptionCode.order_id).where(
        RedemptionCode.id == code_id)))


async def waiting_withdrawal(w: World) -> int:
    """¥8.40 of a referrer's commission on a friend's purchase at 海底捞, redeemed,
    released and asked for: the payout's id."""
    referrer = await ensure_user(w.db, REFERRER, first_name="Referrer", now=NOW)
    friend = await ensure_user(w.db, FRIEND, first_name="Friend", now=NOW)
    code = await referral_code_of(w.db, referrer.id)
    assert await record_referral(w.db, friend.id, code, NOW) == "recorded"
    started = await start_order(w.db, friend.id, w.deals["hdl-duo"], 1, NOW)
    assert started.order is not None
    order = started.order
    notice = PaymentNotice("sandbox", order.id, order.total, order.currency, f"ch_{order.id}")
    assert (await apply_payment(w.db, notice, NOW)).outcome == "paid"
    [sold] = await codes_of_order(w.db, order.id)
    checked = await check_code(w.db, w.users["staff"], sold.code, NOW)
    assert checked.request_id is not None
    await confirm(w.db, checked.request_id, w.users["staff"], w.stores["haidilao-wanda"], NOW)
    assert await release_due(w.db, NOW, release_after=timedelta(0)) == 1
    asked = await request_withdrawal(w.db, referrer.id, 840, NOW)
    assert asked.outcome == "ok" and asked.payout_id is not None
    return asked.payout_id


async def payout_status(w: World, payout_id: int) -> str:
    return await one(w.db, select(Payout.status).where(Payout.id == payout_id))


async def merchant_payouts(w: World, merchant_id: int) -> int:
    return int(await one(w.db, select(func.count()).select_from(Payout).where(
        Payout.payee == "merchant", Payout.payee_id == merchant_id)))


async def merchant_rates(w: World, merchant_id: int) -> tuple[int, int, int]:
    row = await one(w.db, select(Merchant.commission_l1_bp, Merchant.commission_l2_bp,
                                 Merchant.commission_l3_bp).where(Merchant.id == merchant_id))
    return tuple(row)  # type: ignore[return-value]


def owner_refused(who: Person) -> None:
    """The money area's refusal, and nothing of 海底捞's."""
    assert "商家店主" in who.shown
    assert_no_haidilao(who)
    assert HAIDILAO_PAYABLE not in who.shown and not who.sent(SendDocument)


@action("payouts")
async def _payouts(w: World, who: Person, verdict: Verdict) -> None:
    await redeemed_sale(w)
    await paid_code(w, "lk-coconut")  # 瑞幸 has a latte pending
    await who.say("/payouts")
    if verdict == "allowed":
        assert "海底捞火锅" in who.shown and f"可结算：{HAIDILAO_PAYABLE}" in who.shown
        return
    if verdict == "own":
        assert_no_haidilao(who)
        assert "瑞幸咖啡" in who.shown and HAIDILAO_PAYABLE not in who.shown
        return
    owner_refused(who)


@action("commission")
async def _commission(w: World, who: Person, verdict: Verdict) -> None:
    haidilao, luckin = (await merchant_rates(w, w.haidilao),
                        await merchant_rates(w, w.luckin))
    assert (6, 3, 1) not in (haidilao, luckin)
    await who.say("/commission 6 3 1")
    assert await merchant_rates(w, w.haidilao) == (
        (600, 300, 100) if verdict == "allowed" else haidilao)
    assert await merchant_rates(w, w.luckin) == (
        (600, 300, 100) if verdict == "own" else luckin)
    if verdict == "refused":
        owner_refused(who)


@action("commission-deal")
async def _commission_deal(w: World, who: Person, verdict: Verdict) -> None:
    """One of 海底捞's deals' own rates, set by its number."""
    before = await deal_field(w, "hdl-duo", "commission_l1_bp")
    assert before != 800
    await who.say(f"/commission {w.deals['hdl-duo']} 8 4 2")
    assert await deal_field(w, "hdl-duo", "commission_l1_bp") == (
        800 if verdict == "allowed" else before)
    if verdict != "allowed":
        assert_no_haidilao(who)


@action("export-statement")
async def _export_statement(w: World, who: Person, verdict: Verdict) -> None:
    await redeemed_sale(w)
    await paid_code(w, "lk-coconut")
    await who.say("/export statement")
    files = who.sent(SendDocument)
    if verdict == "refused":
        owner_refused(who)
        return
    [file] = files
    rows = file.data.decode("utf-8-sig")
    if verdict == "allowed":
        assert file.filename == "statement-haidilao-2026-11.csv" and "159.60" in rows
        return
    assert_no_haidilao(who)
    assert file.filename == "statement-luckin-2026-11.csv" and "159.60" not in rows


def admin_refused(who: Person, prefixes: tuple[str, ...] = ()) -> None:
    assert "只有平台管理员" in who.shown
    assert_no_haidilao(who)
    assert HAIDILAO_PAYABLE not in who.shown
    assert not any(d.startswith(prefixes) for d in who.datas) if prefixes else True


@action("admin-payables")
async def _admin_payables(w: World, who: Person, verdict: Verdict) -> None:
    await redeemed_sale(w)
    await who.say("/admin payables")
    if verdict == "allowed":
        assert "海底捞火锅" in who.shown and HAIDILAO_PAYABLE in who.shown
    else:
        admin_refused(who)


@action("admin-pay")
async def _admin_pay(w: World, who: Person, verdict: Verdict) -> None:
    await redeemed_sale(w)
    await who.say(f"/admin pay {w.haidilao} 100 MATRIX-REF")
    assert await merchant_payouts(w, w.haidilao) == (1 if verdict == "allowed" else 0)
    if verdict != "allowed":
        admin_refused(who)


@action("admin-withdrawals")
async def _admin_withdrawals(w: World, who: Person, verdict: Verdict) -> None:
    payout = await waiting_withdrawal(w)
    await who.say("/admin withdrawals")
    if verdict == "allowed":
        assert f"ppd:{payout}" in who.datas and "Referrer" in who.shown
    else:
        admin_refused(who, ("ppd:", "pxa:"))
        assert "Referrer" not in who.shown


@action("admin-paid")
async def _admin_paid(w: World, who: Person, verdict: Verdict) -> None:
    payout = await waiting_withdrawal(w)
    await who.say(f"/admin paid {payout} MATRIX-REF")
    assert await payout_status(w, payout) == ("paid" if verdict == "allowed" else "requested")
    if verdict != "allowed":
        admin_refused(who)


@action("admin-fee")
async def _admin_fee(w: World, who: Person, verdict: Verdict) -> None:
    await who.say(f"/admin fee {w.haidilao} 3.5")
    fee = await one(w.db, select(Merchant.fee_bp).where(Merchant.id == w.haidilao))
    assert fee == (350 if verdict == "allowed" else None)
    if verdict != "allowed":
        admin_refused(who)


async def order_status(w: World, order_id: int) -> str:
    return await one(w.db, select(Order.status).where(Order.id == order_id))


@action("admin-refund")
async def _admin_refund(w: World, who: Person, verdict: Verdict) -> None:
    """The command only asks (with the order's details); nothing is refunded yet."""
    order = await redeemed_sale(w)
    before = await order_status(w, order)
    await who.say(f"/admin refund {order}")
    if verdict == "allowed":
        assert f"prf:{order}" in who.datas and "双人精品火锅套餐" in who.shown
    else:
        admin_refused(who, ("prf:",))
    assert await order_status(w, order) == before


@action("ppy-admin-payables")
async def _ppy(w: World, who: Person, verdict: Verdict) -> None:
    await redeemed_sale(w)
    await who.press_data("ppy")
    if verdict == "allowed":
        assert HAIDILAO_PAYABLE in who.shown
    else:
        admin_refused(who)


@action("pwl-admin-withdrawals")
async def _pwl(w: World, who: Person, verdict: Verdict) -> None:
    payout = await waiting_withdrawal(w)
    await who.press_data("pwl")
    if verdict == "allowed":
        assert f"pxa:{payout}" in who.datas
    else:
        admin_refused(who, ("ppd:", "pxa:"))


@action("ppd-admin-payout-paid")
async def _ppd(w: World, who: Person, verdict: Verdict) -> None:
    """Transferred pressed: the reference is asked for (a flow); nothing is paid yet."""
    payout = await waiting_withdrawal(w)
    await who.press_data(f"ppd:{payout}")
    state = await who.state()
    if verdict == "allowed":
        assert state is not None and state.flow == "payoutref"
        await who.say("MATRIX-REF")
        assert await payout_status(w, payout) == "paid"
    else:
        admin_refused(who)
        assert state is None
        await who.say("MATRIX-REF")  # a reference typed anyway is just text
        assert await payout_status(w, payout) == "requested"


@action("pxa-admin-payout-cancel-ask")
async def _pxa(w: World, who: Person, verdict: Verdict) -> None:
    payout = await waiting_withdrawal(w)
    await who.press_data(f"pxa:{payout}")
    if verdict == "allowed":
        assert f"pxc:{payout}" in who.datas
    else:
        admin_refused(who, ("pxc:",))
    assert await payout_status(w, payout) == "requested"  # asking changes nothing


@action("pxc-admin-payout-cancel")
async def _pxc(w: World, who: Person, verdict: Verdict) -> None:
    payout = await waiting_withdrawal(w)
    await who.press_data(f"pxc:{payout}")
    assert await payout_status(w, payout) == (
        "cancelled" if verdict == "allowed" else "requested")
    if verdict != "allowed":
        admin_refused(who)


@action("prf-admin-refund")
async def _prf(w: World, who: Person, verdict: Verdict) -> None:
    """The refund after use, confirmed: the whole order goes back to its buyer."""
    order = await redeemed_sale(w)
    before = await order_status(w, order)
    await who.press_data(f"prf:{order}")
    assert await order_status(w, order) == ("refunded" if verdict == "allowed" else before)
    if verdict != "allowed":
        admin_refused(who)


# ------------------------------------------------------------------ the matrix


def test_the_table_covers_every_action_and_person() -> None:
    assert set(EXPECTED) == {(a, r) for a in ACTIONS for r in ROLES}


CELLS = [pytest.param(a, r, id=f"{a}-{r}") for a in ACTIONS for r in ROLES]


async def play(app: App, action_name: str, role: Role, caplog: pytest.LogCaptureFixture) -> None:
    """Run one cell and check its verdict."""
    world = await build_world(app)
    who = Person(app, role)
    verdict = EXPECTED[(action_name, role)]
    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        await ACTIONS[action_name](world, who, verdict)
    crashes = [r.getMessage() for r in caplog.records
               if r.name == "handlers.router" and r.levelno >= logging.ERROR]
    assert not crashes, f"a handler crashed: {crashes}"
    if verdict == "refused":
        told = [r for r in who.history if isinstance(r, Notify)]
        assert not told, f"a refused {action_name} notified {told}"


@pytest.mark.parametrize(("action_name", "role"), CELLS)
async def test_who_may(matrix_app: App, action_name: str, role: Role,
                       caplog: pytest.LogCaptureFixture) -> None:
    await play(matrix_app, action_name, role, caplog)


def _postgres_cells() -> list[Any]:
    """For every action: the first person it allows and one it refuses (another
    merchant's owner where that is a refusal, else the owner, else staff)."""
    cells = []
    for name in ACTIONS:
        allowed = next(r for r in ROLES if EXPECTED[(name, r)] == "allowed")
        refused = next(r for r in ("other_owner", "owner", "staff")
                       if EXPECTED[(name, r)] == "refused")
        cells += [pytest.param(name, role, id=f"{name}-{role}") for role in (allowed, refused)]
    return cells


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
@pytest.mark.parametrize(("action_name", "role"), _postgres_cells())
async def test_who_may_on_postgres(app: App, action_name: str, role: Role,
                                   caplog: pytest.LogCaptureFixture) -> None:
    await play(app, action_name, role, caplog)


# ------------------------------------------------------------------ checked again on press
# A button drawn while the person was allowed, pressed after they lost the right.


async def test_staff_removed_after_the_check_cannot_confirm_the_code(app: App) -> None:
    world = await build_world(app)
    code_id, code = await paid_code(world)
    staff, owner = Person(app, "staff"), Person(app, "owner")
    await staff.say(f"/redeem {code}")
    assert "在「海底捞（马尾万达店）」核销" in staff.button_texts  # drawn while staff
    await owner.say("/staff")
    await owner.press("移除 haidilao-staff")
    assert not await is_haidilao_staff(world)
    await staff.press("在「海底捞（马尾万达店）」核销")
    assert "核销成功" not in staff.texts
    assert await code_status(world, code_id) == "issued"
    assert not [r for r in staff.history if isinstance(r, Notify)]  # the shopper is not told


async def test_a_suspended_owner_cannot_use_the_deal_buttons_already_on_screen(
    app: App,
) -> None:
    world = await build_world(app)
    duo = world.deals["hdl-duo"]
    owner, admin = Person(app, "owner"), Person(app, "admin")
    await owner.press_data(f"dn:{duo}")  # End asks first: the real End is drawn
    end = f"dny:{duo}"
    assert end in owner.datas
    await owner.press_data(f"dm:{duo}")  # the deal's page with Pause
    assert "⏸ 暂停" in owner.button_texts
    await admin.say("/admin find 海底捞")
    await admin.press("海底捞火锅")
    await admin.press("⛔ 暂停")
    await admin.press("⛔ 确定暂停")
    assert await merchant_status(world, world.haidilao) == "suspended"
    await owner.press("⏸ 暂停")
    assert "已被暂停" in owner.texts
    await owner.press_data(end)
    assert "已被暂停" in owner.texts
    assert await deal_field(world, "hdl-duo", "status") == "active"


async def _store_name_half_edited(w: World, owner: Person) -> None:
    store = w.stores["haidilao-wanda"]
    await owner.say("/stores")
    await owner.press("✏️ 修改 海底捞（马尾万达店）")
    await owner.press("🏷 名称")
    await owner.say("矩阵新店名")
    assert "✅ 保存修改" in owner.button_texts and f"sed:{store}" in owner.datas


async def _store_name_saved(w: World, owner: Person) -> None:
    await owner.press("✅ 保存修改")
    name = await one(w.db, select(Store.name_zh).where(Store.id == w.stores["haidilao-wanda"]))
    assert name == "海底捞（马尾万达店）"


async def _deal_previewed(w: World, owner: Person) -> None:
    await owner.say("/newdeal 矩阵一行套餐 | 88 | 168 | 100 | 2026-12-31")
    assert "🚀 发布" in owner.button_texts


async def _deal_published(w: World, owner: Person) -> None:
    await owner.press("🚀 发布")
    assert "已被暂停" in owner.texts
    assert await merchants_of_deals_titled(w, "矩阵一行套餐") == []


async def _price_asked(w: World, owner: Person) -> None:
    await owner.press_data(f"dm:{w.deals['hdl-duo']}")
    await owner.press("团购价")
    state = await owner.state()
    assert state is not None and state.flow == "dealedit"


async def _price_typed(w: World, owner: Person) -> None:
    await owner.say("99")
    assert await deal_field(w, "hdl-duo", "price") == 16800


HALF_DONE: dict[str, tuple[Callable[[World, Person], Awaitable[None]],
                           Callable[[World, Person], Awaitable[None]]]] = {
    "store-save": (_store_name_half_edited, _store_name_saved),
    "deal-publish": (_deal_previewed, _deal_published),
    "deal-price": (_price_asked, _price_typed),
}


@pytest.mark.parametrize("flow", list(HALF_DONE))
async def test_a_suspended_owner_cannot_finish_what_was_begun_before(
    app: App, flow: str, caplog: pytest.LogCaptureFixture,
) -> None:
    world = await build_world(app)
    owner = Person(app, "owner")
    begin, finish = HALF_DONE[flow]
    await begin(world, owner)
    assert (await suspend_merchant(world.db, world.haidilao)).outcome == "done"
    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        await finish(world, owner)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_admin_removed_from_admin_ids_cannot_confirm_what_was_drawn(
    app: App,
) -> None:
    world = await build_world(app)
    pending = await application(world)
    admin = Person(app, "admin")
    await admin.say("/admin pending")
    approve = f"ma:{pending}"
    assert approve in admin.datas
    await admin.say("/admin find 海底捞")
    await admin.press("海底捞火锅")
    await admin.press("⛔ 暂停")
    assert "⛔ 确定暂停" in admin.button_texts
    app.options = replace(app.options, admin_ids=())  # no longer an admin
    await admin.press("⛔ 确定暂停")
    assert "只有平台管理员" in admin.texts
    await admin.press_data(approve)
    assert "只有平台管理员" in admin.texts
    assert await merchant_status(world, world.haidilao) == "approved"
    assert await merchant_status(world, pending) == "pending"
    assert not [r for r in admin.history if isinstance(r, Notify)]


# ------------------------------------------------------------------ found by the matrix


async def test_a_location_or_photo_sent_while_asked_what_was_meant_does_not_crash(
    matrix_app: App, caplog: pytest.LogCaptureFixture,
) -> None:
    """The refused /addstore cells type an address, which the assistant is unsure
    about and asks; sharing a location (or a photo) then crashed the question's flow."""
    shopper = Person(matrix_app, "shopper")
    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        await shopper.say("福州市马尾区矩阵路1号")
        assert "您是想" in shopper.texts  # the question, waiting for a button
        await shopper.share_location(26.0, 119.45)
        assert "已记住你的位置" in shopper.texts
        await shopper.say("福州市马尾区矩阵路1号")
        await shopper.send_photo()
        assert "看不懂图片" in shopper.texts
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
