"""What the books say to the people whose money it is (read only: nothing here writes).

- `earnings`: a referrer's commissions: available, pending (of which frozen until the
  refund window ends), withdrawals in transit and paid, the net total each level of
  their team brought, and their latest movements (`/earnings`);
- `merchant_money`: a merchant's payable, pending and paid out, with the latest lines
  behind each figure (`/payouts`);
- `statement`, `statement_csv`: every line on a merchant's two accounts in one month,
  between its opening and closing balances, as a CSV for Excel (`/export statement`);
- `all_payables`: every merchant with money on its accounts (`/admin payables`).

Amounts are minor units, shown as their holder sees them (`books.shown`: positive is
theirs).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.catalog.deal_cards import Bilingual
from services.ledger.books import AccountKind, Posted, balances, shown
from services.ledger.rules import read_rules
from services.ledger.split import BP
from services.merchants.stats import decimal_amount, safe_cell, zone
from services.orders.codes import format_code
from services.platform.database import Database
from storage.models import (
    Deal,
    DealStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    Merchant,
    Payout,
    PayoutStatus,
)
from storage.models import RedemptionCode as Code

K = AccountKind
COMMISSION_KINDS = (K.COMMISSION_PENDING, K.COMMISSION_FROZEN, K.COMMISSION_AVAILABLE)
MERCHANT_KINDS = (K.MERCHANT_PENDING, K.MERCHANT_PAYABLE)
LEVELS = 3
RECENT = 10

_ACCOUNTS, _ENTRIES, _LINES = (
    LedgerAccount.__table__, LedgerEntry.__table__,  # type: ignore[attr-defined]
    LedgerLine.__table__,  # type: ignore[attr-defined]
)
_PAYOUTS, _MERCHANTS, _CODES, _DEALS = (
    Payout.__table__, Merchant.__table__, Code.__table__,  # type: ignore[attr-defined]
    Deal.__table__,  # type: ignore[attr-defined]
)


@dataclass(frozen=True)
class Movement:
    """One entry as it touched someone's accounts: its net amount on them (as shown)
    and what it did to each account kind."""

    entry_id: int
    kind: str  # the entry's kind: payment, redeemed, release, refund, payout_requested...
    posted_at: datetime
    order_id: int | None
    amount: int  # net over the accounts read (a move between them nets to 0)
    accounts: dict[str, int]  # account kind -> amount (as shown)
    detail: str  # the first line's detail (l1, l2, l3, sale, withdrawal, ...)

    def on(self, kind: str) -> int:
        """What this movement did to one account kind."""
        return self.accounts.get(kind, 0)


def movements(lines: Sequence[Posted]) -> list[Movement]:
    """Lines (newest first, as `books.recent_lines` gives them) grouped by entry."""
    grouped: dict[int, list[Posted]] = {}
    for line in lines:
        grouped.setdefault(line.entry_id, []).append(line)
    found = []
    for entry_id, group in grouped.items():
        accounts: dict[str, int] = {}
        for line in group:
            accounts[line.account_kind] = accounts.get(line.account_kind, 0) + line.amount
        first = group[0]
        found.append(Movement(entry_id, first.entry_kind, first.posted_at, first.order_id,
                              sum(line.amount for line in group), accounts,
                              next((line.detail for line in group if line.detail), "")))
    return found


async def _lines(conn: AsyncConnection, kinds: Sequence[str], ref: str, currency: str, *,
                 limit: int = RECENT, since: datetime | None = None,
                 until: datetime | None = None) -> list[Posted]:
    """`books.recent_lines` of one currency: the latest lines on `ref`'s accounts of
    these kinds, newest first, or (with `since` and `until`) a period's, oldest first."""
    query = (select(_LINES.c.entry_id, _ENTRIES.c.kind, _ENTRIES.c.posted_at,
                    _ENTRIES.c.order_id, _ENTRIES.c.code_id, _ACCOUNTS.c.kind,
                    _ACCOUNTS.c.ref, _LINES.c.amount, _LINES.c.detail)
             .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
             .join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id)
             .where(_ACCOUNTS.c.ref == ref, _ACCOUNTS.c.currency == currency,
                    _ACCOUNTS.c.kind.in_(list(kinds))))
    if since is not None and until is not None:
        query = query.where(_ENTRIES.c.posted_at >= since, _ENTRIES.c.posted_at < until
                            ).order_by(_LINES.c.id)
    else:
        query = query.order_by(_LINES.c.id.desc()).limit(limit)
    return [Posted(e, ek, at, o, c, k, r, shown(k, a), d)
            for e, ek, at, o, c, k, r, a, d in (await conn.execute(query)).all()]


# ------------------------------------------------------------------ referrers


@dataclass(frozen=True)
class Earnings:
    """A referrer's commissions (minor units of `currency`)."""

    currency: str
    available: int  # theirs to withdraw (may be below zero after a claw-back)
    pending: int  # not theirs yet: units not redeemed, and redeemed ones still frozen
    frozen: int  # of `pending`: redeemed, waiting for the refund window to end
    in_transit: int  # withdrawals asked for, not yet paid
    settled: int  # withdrawals paid
    levels: tuple[int, ...]  # net commission from level 1, 2, 3 (accrued less voided)
    recent: list[Posted] = field(default_factory=list)  # the latest lines, newest first

    @property
    def movements(self) -> list[Movement]:
        """The latest lines grouped by entry, newest first."""
        return movements(self.recent)


async def _payout_sums(conn: AsyncConnection, payee: str, payee_id: int,
                       currency: str) -> dict[str, int]:
    rows = (await conn.execute(
        select(_PAYOUTS.c.status, func.coalesce(func.sum(_PAYOUTS.c.amount), 0))
        .where(_PAYOUTS.c.payee == payee, _PAYOUTS.c.payee_id == payee_id,
               _PAYOUTS.c.currency == currency)
        .group_by(_PAYOUTS.c.status))).all()
    return {status: int(total) for status, total in rows}


async def earnings(db: Database, user_id: int, currency: str = "CNY") -> Earnings:
    """What a referrer has earned, where it stands, and the latest movements."""
    ref = str(user_id)
    async with db.engine.connect() as conn:
        held = await balances(conn, COMMISSION_KINDS, ref, currency)
        payouts = await _payout_sums(conn, "user", user_id, currency)
        by_detail = dict((await conn.execute(
            select(_LINES.c.detail, func.sum(_LINES.c.amount))
            .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
            .where(_ACCOUNTS.c.ref == ref, _ACCOUNTS.c.currency == currency,
                   _ACCOUNTS.c.kind.in_(list(COMMISSION_KINDS)))
            .group_by(_LINES.c.detail))).all())
        recent = await _lines(conn, COMMISSION_KINDS, ref, currency)

    def balance(kind: str) -> int:
        return held.get((kind, currency), 0)

    frozen = balance(K.COMMISSION_FROZEN)
    return Earnings(
        currency=currency,
        available=balance(K.COMMISSION_AVAILABLE),
        pending=balance(K.COMMISSION_PENDING) + frozen,
        frozen=frozen,
        in_transit=payouts.get(PayoutStatus.REQUESTED, 0),
        settled=payouts.get(PayoutStatus.PAID, 0),
        levels=tuple(-int(by_detail.get(f"l{n}") or 0) for n in range(1, LEVELS + 1)),
        recent=recent,
    )


# ------------------------------------------------------------------ merchants


@dataclass(frozen=True)
class PayoutLine:
    """A payout to a merchant or a referrer."""

    id: int
    payee: str  # merchant, user
    payee_id: int
    amount: int
    currency: str
    status: str
    reference: str | None
    requested_at: datetime
    paid_at: datetime | None


def _payout_line(row: object) -> PayoutLine:
    return PayoutLine(row.id, row.payee, row.payee_id, row.amount,  # type: ignore[attr-defined]
                      row.currency, row.status, row.reference,  # type: ignore[attr-defined]
                      row.requested_at, row.paid_at)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MerchantMoney:
    """A merchant's money (minor units of `currency`), with the lines behind it."""

    currency: str
    payable: int  # owed to it now (below zero after a refund of money already paid out)
    pending: int  # its share of codes not redeemed yet
    paid_out: int  # transferred to it
    payable_lines: list[Posted] = field(default_factory=list)  # newest first
    pending_lines: list[Posted] = field(default_factory=list)  # newest first
    payouts: list[PayoutLine] = field(default_factory=list)  # paid ones, newest first

    @property
    def share(self) -> int:
        """Its whole share of what was paid and not refunded: pending + payable + paid out."""
        return self.payable + self.pending + self.paid_out


async def merchant_money(db: Database, merchant_id: int, currency: str = "CNY",
                         recent: int = 5) -> MerchantMoney:
    """A merchant's payable, pending and paid out, with the latest lines behind each."""
    ref = str(merchant_id)
    async with db.engine.connect() as conn:
        held = await balances(conn, MERCHANT_KINDS, ref, currency)
        payouts = await _payout_sums(conn, "merchant", merchant_id, currency)
        payable_lines = await _lines(conn, (K.MERCHANT_PAYABLE,), ref, currency, limit=recent)
        pending_lines = await _lines(conn, (K.MERCHANT_PENDING,), ref, currency, limit=recent)
        paid = (await conn.execute(
            select(_PAYOUTS).where(_PAYOUTS.c.payee == "merchant",
                                   _PAYOUTS.c.payee_id == merchant_id,
                                   _PAYOUTS.c.currency == currency,
                                   _PAYOUTS.c.status == PayoutStatus.PAID)
            .order_by(_PAYOUTS.c.id.desc()).limit(recent))).all()
    return MerchantMoney(
        currency=currency,
        payable=held.get((K.MERCHANT_PAYABLE, currency), 0),
        pending=held.get((K.MERCHANT_PENDING, currency), 0),
        paid_out=payouts.get(PayoutStatus.PAID, 0),
        payable_lines=payable_lines,
        pending_lines=pending_lines,
        payouts=[_payout_line(row) for row in paid],
    )


@dataclass(frozen=True)
class MerchantBalance:
    """One merchant's balances, for the admins' list."""

    merchant_id: int
    name: Bilingual
    slug: str
    status: str
    payable: int
    pending: int


async def all_payables(db: Database, currency: str = "CNY") -> list[MerchantBalance]:
    """Every merchant with money on its accounts, the most payable first."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(_ACCOUNTS.c.ref, _ACCOUNTS.c.kind,
                   func.coalesce(func.sum(_LINES.c.amount), 0))
            .select_from(_ACCOUNTS.outerjoin(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id))
            .where(_ACCOUNTS.c.currency == currency,
                   _ACCOUNTS.c.kind.in_(list(MERCHANT_KINDS)))
            .group_by(_ACCOUNTS.c.ref, _ACCOUNTS.c.kind))).all()
        held: dict[int, dict[str, int]] = {}
        for ref, kind, total in rows:
            if total and ref.isdigit():
                held.setdefault(int(ref), {})[kind] = -int(total)
        if not held:
            return []
        merchants = (await conn.execute(
            select(_MERCHANTS.c.id, _MERCHANTS.c.name_zh, _MERCHANTS.c.name_en,
                   _MERCHANTS.c.slug, _MERCHANTS.c.status)
            .where(_MERCHANTS.c.id.in_(sorted(held))))).all()
    found = [MerchantBalance(m.id, Bilingual(m.name_zh, m.name_en), m.slug, m.status,
                             held[m.id].get(K.MERCHANT_PAYABLE, 0),
                             held[m.id].get(K.MERCHANT_PENDING, 0)) for m in merchants]
    return sorted(found, key=lambda b: (-b.payable, -b.pending, b.merchant_id))


# ------------------------------------------------------------------ commission rates


@dataclass(frozen=True)
class DealRates:
    """One of the merchant's deals and its own rates (None: it follows the default)."""

    deal_id: int
    title: Bilingual
    status: str
    levels: tuple[int, int, int] | None


@dataclass(frozen=True)
class CommissionOverview:
    """A merchant's referral commission rates in basis points, and their limits."""

    default: tuple[int, int, int]
    cap_bp: int  # levels 1+2+3 of any deal together at most this
    fee_bp: int  # the platform's fee on this merchant's sales
    referral_levels: int  # how many levels the platform pays (1 to 3)
    deals: list[DealRates]  # its deals not ended, newest first


async def commission_overview(db: Database, merchant_id: int,
                              limit: int = 20) -> CommissionOverview:
    """The merchant's default rates, its deals' own rates, the cap and the fee."""
    async with db.engine.connect() as conn:
        rules = await read_rules(conn)
        merchant = (await conn.execute(select(
            _MERCHANTS.c.commission_l1_bp, _MERCHANTS.c.commission_l2_bp,
            _MERCHANTS.c.commission_l3_bp, _MERCHANTS.c.fee_bp)
            .where(_MERCHANTS.c.id == merchant_id))).one()
        deals = (await conn.execute(select(
            _DEALS.c.id, _DEALS.c.title_zh, _DEALS.c.title_en, _DEALS.c.status,
            _DEALS.c.commission_l1_bp, _DEALS.c.commission_l2_bp, _DEALS.c.commission_l3_bp)
            .where(_DEALS.c.merchant_id == merchant_id, _DEALS.c.status != DealStatus.ENDED)
            .order_by(_DEALS.c.id.desc()).limit(limit))).all()
    fee = rules.fee_bp if merchant.fee_bp is None else merchant.fee_bp
    found = []
    for deal in deals:
        own = (deal.commission_l1_bp, deal.commission_l2_bp, deal.commission_l3_bp)
        levels = (own[0] or 0, own[1] or 0, own[2] or 0) \
            if any(r is not None for r in own) else None
        found.append(DealRates(deal.id, Bilingual(deal.title_zh, deal.title_en), deal.status,
                               levels))
    return CommissionOverview(
        (merchant.commission_l1_bp, merchant.commission_l2_bp, merchant.commission_l3_bp),
        min(rules.commission_cap_bp, BP - fee), fee, rules.referral_levels, found)


# ------------------------------------------------------------------ the monthly statement


@dataclass(frozen=True)
class StatementLine:
    """One line on the merchant's pending or payable account."""

    posted_at: datetime
    entry_kind: str
    order_id: int | None
    code: str  # the redemption code it concerns, formatted; "" for none
    account: str  # merchant_pending, merchant_payable
    detail: str
    amount: int  # as shown: positive adds to the merchant's money
    payable_after: int  # the payable balance after this line


@dataclass(frozen=True)
class Statement:
    """A month of a merchant's two accounts: opening balances + lines = closing."""

    currency: str
    first: date  # the month's first and last local day
    last: date
    timezone: str
    opening: dict[str, int]  # account kind -> balance when the month began
    lines: list[StatementLine]
    closing: dict[str, int]  # account kind -> balance when it ended


def month_bounds(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC moments a local month starts and the next one starts (ValueError for a
    month that does not exist)."""
    tz = zone(timezone)
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return (datetime.combine(first, time(0), tzinfo=tz).astimezone(zone("UTC")),
            datetime.combine(following, time(0), tzinfo=tz).astimezone(zone("UTC")))


async def _balances_before(conn: AsyncConnection, ref: str, currency: str,
                           moment: datetime) -> dict[str, int]:
    rows = (await conn.execute(
        select(_ACCOUNTS.c.kind, func.coalesce(func.sum(_LINES.c.amount), 0))
        .select_from(_ACCOUNTS.join(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id)
                     .join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id))
        .where(_ACCOUNTS.c.ref == ref, _ACCOUNTS.c.currency == currency,
               _ACCOUNTS.c.kind.in_(list(MERCHANT_KINDS)), _ENTRIES.c.posted_at < moment)
        .group_by(_ACCOUNTS.c.kind))).all()
    found = {str(kind): 0 for kind in MERCHANT_KINDS}
    found.update({kind: -int(total) for kind, total in rows})
    return found


async def statement(db: Database, merchant_id: int, year: int, month: int, timezone: str,
                    currency: str = "CNY") -> Statement:
    """Every line on the merchant's pending and payable accounts in one local month, in
    the order posted, with the balances before and after."""
    start, end = month_bounds(year, month, timezone)
    ref = str(merchant_id)
    async with db.engine.connect() as conn:
        opening = await _balances_before(conn, ref, currency, start)
        closing = await _balances_before(conn, ref, currency, end)
        posted = await _lines(conn, MERCHANT_KINDS, ref, currency, since=start, until=end)
        code_ids = sorted({line.code_id for line in posted if line.code_id is not None})
        codes = dict((await conn.execute(select(_CODES.c.id, _CODES.c.code).where(
            _CODES.c.id.in_(code_ids)))).all()) if code_ids else {}
    payable = opening[K.MERCHANT_PAYABLE]
    lines = []
    for line in posted:
        if line.account_kind == K.MERCHANT_PAYABLE:
            payable += line.amount
        code = codes.get(line.code_id) if line.code_id is not None else None
        lines.append(StatementLine(line.posted_at, line.entry_kind, line.order_id,
                                   format_code(code) if code else "", line.account_kind,
                                   line.detail, line.amount, payable))
    tz = zone(timezone)
    return Statement(currency, start.astimezone(tz).date(),
                     (end.astimezone(tz) - timedelta(days=1)).date(), tz.key, opening, lines,
                     closing)


@dataclass(frozen=True)
class StatementWords:
    """The statement's words in the reader's language (English by default)."""

    header: tuple[str, ...] = ("Date", "Entry", "Order", "Code", "Account", "Detail",
                               "Amount", "Payable balance")
    opening: str = "Opening balance"
    closing: str = "Closing balance"
    accounts: Mapping[str, str] = field(default_factory=lambda: {
        K.MERCHANT_PENDING: "pending", K.MERCHANT_PAYABLE: "payable"})
    kinds: Mapping[str, str] = field(default_factory=dict)  # entry kind -> words
    details: Mapping[str, str] = field(default_factory=dict)  # line detail -> words


def statement_rows(found: Statement, words: StatementWords | None = None) -> list[list[str]]:
    """The statement as rows of cells: the header, the opening balance of each account,
    every line (amounts as decimals, with the payable balance after it), the closing
    balance of each account."""
    words = words or StatementWords()
    if len(words.header) != 8:
        raise ValueError("the statement has 8 columns")
    tz = zone(found.timezone)
    cur = found.currency

    def money(amount: int) -> str:
        return decimal_amount(amount, cur)

    def account(kind: str) -> str:
        return words.accounts.get(kind, kind)

    rows = [list(words.header)]
    opened = f"{found.first.isoformat()} 00:00:00"
    for kind in MERCHANT_KINDS:
        rows.append([opened, words.opening, "", "", account(kind), "",
                     money(found.opening[kind]), money(found.opening[K.MERCHANT_PAYABLE])])
    for line in found.lines:
        rows.append([line.posted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                     words.kinds.get(line.entry_kind, line.entry_kind),
                     "" if line.order_id is None else str(line.order_id), line.code,
                     account(line.account), words.details.get(line.detail, line.detail),
                     money(line.amount), money(line.payable_after)])
    closed = f"{found.last.isoformat()} 23:59:59"
    for kind in MERCHANT_KINDS:
        rows.append([closed, words.closing, "", "", account(kind), "",
                     money(found.closing[kind]), money(found.closing[K.MERCHANT_PAYABLE])])
    return rows


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def rows_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """Rows as CSV bytes for Excel: UTF-8 with a BOM; a cell that would run as a formula
    is quoted, except a plain number (a negative amount stays a number to add up)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell if _NUMBER.fullmatch(cell) else safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")


async def statement_csv(db: Database, merchant_id: int, year: int, month: int, tz: str, *,
                        words: StatementWords | None = None, currency: str = "CNY") -> bytes:
    """The merchant's monthly statement as a CSV file (see `statement_rows`)."""
    found = await statement(db, merchant_id, year, month, tz, currency)
    return rows_csv(statement_rows(found, words))


__all__ = ["COMMISSION_KINDS", "MERCHANT_KINDS", "CommissionOverview", "DealRates",
           "Earnings", "MerchantBalance", "MerchantMoney", "Movement", "PayoutLine",
           "Statement", "StatementLine", "StatementWords", "all_payables",
           "commission_overview", "earnings", "merchant_money", "month_bounds", "movements",
           "rows_csv", "statement", "statement_csv", "statement_rows"]
